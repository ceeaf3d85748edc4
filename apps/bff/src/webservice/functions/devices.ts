import { multiple, single, value } from '@gatehouse/shared';
import { withWrite } from '../../db/write';
import { deleteDevices, hasPushId, insertDevice, updateDevices } from '../../features/mobile/devices.repo';
import { defineFunction } from '../types';
import { externalWarnings } from './common';

// The Moodle app's push registration (user/externallib.php add_user_device and
// remove_user_device, user/lib.php user_remove_user_device). Gatehouse sends no push
// notifications (it has no message processor such as airnotifier): the devices are stored as
// Moodle stores them, for the app's registration to succeed and for a later push feature.

const MOBILE = 'moodle_mobile_app';

type Warning = { item?: string; itemid?: number; warningcode: string; message: string };

const addUserDevice = defineFunction({
  name: 'core_user_add_user_device',
  component: 'core_user',
  description:
    'Store mobile user devices information for PUSH Notifications. A push id the user already registered answers the warning existingkeyforthisuser and changes nothing; a device already registered for the app (same appid and uuid) gets the new version, push id and public key. Gatehouse stores the devices but sends no push notifications (it has no airnotifier).',
  type: 'write',
  capabilities: [],
  example: {
    appid: 'com.moodle.moodlemobile',
    name: 'iPhone',
    model: 'iPhone15,2',
    platform: 'iOS',
    version: '17.4',
    pushid: 'f0e1d2c3b4a5',
    uuid: '6B29FC40-CA47-1067-B31D-00DD010662DA',
  },
  services: [MOBILE],
  parameters: single({
    appid: value('notags', 'the app id, usually something like com.moodle.moodlemobile'),
    name: value('notags', "the device name, 'occam' or 'iPhone' etc."),
    model: value('notags', "the device model 'Nexus4' or 'iPad1,1' etc."),
    platform: value('notags', "the device platform 'iOS' or 'Android' etc."),
    version: value('notags', "the device version '6.1.2' or '4.2.2' etc."),
    pushid: value('raw', 'the device PUSH token/key/identifier/registration id'),
    uuid: value('raw', 'the device UUID'),
    publickey: value('raw', 'the app generated public key', { default: null, allowNull: true }),
  }),
  // external_multiple_structure(new external_warnings()): a list of warning lists.
  returns: multiple(externalWarnings()),
  async execute(ctx, p) {
    const userId = ctx.user.id;
    return withWrite(ctx.deps, async (tx) => {
      // Prevent duplicate keys for users: $warnings['warning'][] = …, one list of warnings.
      if (await hasPushId(tx, userId, p.pushid)) {
        const warning: Warning = {
          item: p.pushid,
          warningcode: 'existingkeyforthisuser',
          message: 'This key is already stored for this user',
        };
        return [[warning]];
      }
      const publickey = p.publickey ?? null;
      const updated = await updateDevices(
        tx,
        { userId, appid: p.appid, uuid: p.uuid },
        { version: p.version, pushid: p.pushid, publickey, timemodified: ctx.now },
      );
      if (updated === 0) {
        await insertDevice(tx, {
          userId,
          appid: p.appid,
          name: p.name,
          model: p.model,
          platform: p.platform,
          version: p.version,
          pushid: p.pushid,
          uuid: p.uuid,
          publickey,
          timecreated: ctx.now,
          timemodified: ctx.now,
        });
      }
      return [] as Warning[][];
    });
  },
});

const removeUserDevice = defineFunction({
  name: 'core_user_remove_user_device',
  component: 'core_user',
  description:
    "Remove a user device from the Moodle database: the caller's devices with this UUID (and app id, when given). removed is false, with the warning devicedoesnotexist, when there is none.",
  type: 'write',
  capabilities: [],
  example: { uuid: '6B29FC40-CA47-1067-B31D-00DD010662DA', appid: 'com.moodle.moodlemobile' },
  services: [MOBILE],
  parameters: single({
    uuid: value('raw', 'the device UUID'),
    appid: value('notags', 'the app id, if empty devices matching the UUID for the user will be removed', {
      default: '',
    }),
  }),
  returns: single({
    removed: value('bool', "True if removed, false if not removed because it doesn't exists"),
    warnings: externalWarnings(),
  }),
  async execute(ctx, { uuid, appid }) {
    const removed = (await withWrite(ctx.deps, (tx) => deleteDevices(tx, ctx.user.id, uuid, appid))) > 0;
    const warnings: Warning[] = removed
      ? []
      : [{ item: uuid, warningcode: 'devicedoesnotexist', message: "The device doesn't exists in the database" }];
    return { removed, warnings };
  },
});

export const DEVICE_FUNCTIONS = [addUserDevice, removeUserDevice];
