import type { ExternalFunction } from '../types';
import { CERTIFICATION_FUNCTIONS } from './certifications';
import { COURSE_FUNCTIONS } from './course';
import { DASHBOARD_FUNCTIONS } from './dashboard';
import { DEVICE_FUNCTIONS } from './devices';
import { ENROL_FUNCTIONS } from './enrol';
import { FILES_FUNCTIONS } from './files';
import { GROUP_FUNCTIONS } from './group';
import { HUB_FUNCTIONS } from './hub';
import { LEGACY_FUNCTIONS } from './legacy';
import { LEGACY_MOBILE_FUNCTIONS } from './legacy-mobile';
import { MESSAGE_FUNCTIONS } from './message';
import { MOBILE_FUNCTIONS } from './mobile';
import { MODULE_FUNCTIONS } from './modules';
import { NOTES_FUNCTIONS } from './notes';
import { PARTICIPANTS_FUNCTIONS } from './participants';
import { USER_FUNCTIONS } from './user';
import { WEBSERVICE_FUNCTIONS } from './webservice';

/** Every function of the catalogue. */
export const FUNCTIONS: readonly ExternalFunction[] = [
  ...WEBSERVICE_FUNCTIONS,
  ...USER_FUNCTIONS,
  ...COURSE_FUNCTIONS,
  ...GROUP_FUNCTIONS,
  ...ENROL_FUNCTIONS,
  ...PARTICIPANTS_FUNCTIONS,
  ...MESSAGE_FUNCTIONS,
  ...NOTES_FUNCTIONS,
  ...FILES_FUNCTIONS,
  ...CERTIFICATION_FUNCTIONS,
  ...HUB_FUNCTIONS,
  ...MOBILE_FUNCTIONS,
  ...DASHBOARD_FUNCTIONS,
  ...DEVICE_FUNCTIONS,
  ...MODULE_FUNCTIONS,
  ...LEGACY_FUNCTIONS,
  ...LEGACY_MOBILE_FUNCTIONS,
];
