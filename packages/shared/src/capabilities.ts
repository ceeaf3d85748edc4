// The capabilities Gatehouse knows. Moodle's names, so that people (and scripts) who know
// Moodle find them. `risk` mirrors Moodle's risk bitmask in words, shown in the role editor.
export type CapabilityRisk = 'config' | 'personal' | 'xss' | 'dataloss' | 'spam' | 'managetrust';

export interface CapabilityDef {
  name: string;
  component: string;
  description: string;
  risks: CapabilityRisk[];
}

const cap = (name: string, component: string, description: string, risks: CapabilityRisk[] = []): CapabilityDef => ({
  name,
  component,
  description,
  risks,
});

export const CAPABILITIES: readonly CapabilityDef[] = [
  cap('moodle/site:config', 'Site', 'Change site configuration', ['config', 'dataloss', 'xss']),
  cap('moodle/site:maintenanceaccess', 'Site', 'Access the site while in maintenance mode'),
  cap('moodle/site:viewreports', 'Site', 'View reports, including the audit log', ['personal']),
  cap('moodle/user:create', 'Users', 'Create users', ['spam', 'personal']),
  cap('moodle/user:update', 'Users', 'Update user profiles', ['spam', 'personal']),
  cap('moodle/user:delete', 'Users', 'Delete users', ['personal', 'dataloss']),
  cap('moodle/user:viewdetails', 'Users', 'View user profiles and browse the list of users', ['personal']),
  cap('moodle/role:manage', 'Roles', 'Create and manage roles', ['managetrust', 'config']),
  cap('moodle/role:assign', 'Roles', 'Assign roles to users', ['managetrust']),
  cap('moodle/role:review', 'Roles', 'Review permissions and check capabilities of users'),
  cap('moodle/webservice:createtoken', 'Web services', 'Create a web service token', ['config', 'dataloss', 'xss']),
  cap('moodle/webservice:createmobiletoken', 'Web services', 'Create a web service token for the mobile app'),
  cap('moodle/webservice:managealltokens', 'Web services', 'Manage all web service tokens', ['config', 'dataloss']),
  cap('webservice/rest:use', 'Web service protocols', 'Use the REST protocol', ['config', 'dataloss']),
  cap('webservice/soap:use', 'Web service protocols', 'Use the SOAP protocol', ['config', 'dataloss']),
  cap('webservice/xmlrpc:use', 'Web service protocols', 'Use the XML-RPC protocol', ['config', 'dataloss']),
  cap('webservice/amf:use', 'Web service protocols', 'Use the AMF protocol', ['config', 'dataloss']),
  cap('moodle/course:view', 'Courses', 'View courses without participation'),
  cap('moodle/course:create', 'Courses', 'Create courses', ['xss']),
  cap('moodle/course:update', 'Courses', 'Update course settings', ['xss']),
  cap('moodle/course:managegroups', 'Courses', 'Manage groups', ['xss']),
  cap('moodle/course:viewparticipants', 'Courses', 'View participants', ['personal']),
  cap('moodle/site:sendmessage', 'Messaging', 'Send messages to any user', ['spam']),
  cap('moodle/notes:manage', 'Notes', 'Manage notes', ['spam']),
  cap('moodle/notes:view', 'Notes', 'View notes', ['personal']),
  cap('moodle/user:manageownfiles', 'Files', 'Manage files in own private file areas'),
  cap('moodle/user:ignoreuserquota', 'Files', 'Ignore user quota limit', ['dataloss']),
  cap('moodle/course:ignorefilesizelimits', 'Files', 'Use files larger than any file size restrictions', ['dataloss']),
  cap('tool/mucertify:view', 'Certifications', 'View certifications and their assignments', ['personal']),
  cap('local/hub:view', 'Hub', 'View the hub'),
  cap('local/hub:updateinfo', 'Hub', 'Update the hub information of a registered site'),
  cap('local/hub:registercourse', 'Hub', 'Publish courses on the hub'),
  cap('local/hub:unregistercourse', 'Hub', 'Unpublish courses from the hub'),
  cap('local/hub:viewinfo', 'Hub', 'View hub information'),
  cap('local/hub:viewsmallinfo', 'Hub', 'View a small part of the hub information'),
  cap('local/hub:manage', 'Hub', 'Manage the hub, its sites and courses', ['config', 'dataloss']),
] as const;

export const CAPABILITY_NAMES: readonly string[] = CAPABILITIES.map((c) => c.name);

export function isCapability(name: string): boolean {
  return CAPABILITY_NAMES.includes(name);
}
