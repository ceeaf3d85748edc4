import { defineFunction } from '../types';
import {
  CREATE_CAPABILITIES,
  CREATE_DESCRIPTION,
  createGroupsImpl,
  createGroupsParameters,
  groupReturn,
} from './group';

// Functions kept under their old names for old clients. Deprecated functions cannot be added to
// a service, but stay callable through the services that already hold them.

/** The pre-2.2 name of core_group_create_groups: same parameters, same behaviour. */
const legacyCreateGroups = defineFunction({
  name: 'moodle_group_create_groups',
  component: 'core_group',
  description: `DEPRECATED: this deprecated function will be removed in a future version. This function has been renamed as core_group_create_groups(). ${CREATE_DESCRIPTION}`,
  type: 'write',
  capabilities: CREATE_CAPABILITIES,
  example: {
    groups: [{ courseid: 2, name: 'Legacy example group', description: 'Made with the deprecated function' }],
  },
  deprecated: { since: '2.2', replacedBy: 'core_group_create_groups' },
  parameters: createGroupsParameters,
  returns: groupReturn,
  execute: (ctx, params) => createGroupsImpl(ctx, params),
});

export const LEGACY_FUNCTIONS = [legacyCreateGroups];
