import { type ExternalSingle, sampleValue } from '@gatehouse/shared';

/**
 * Example arguments for the documentation, chosen to make sense on the demo data (course 2 is
 * CS101, user 5 is the demo student). Functions not listed get arguments generated from their
 * parameter description. A test runs every example, on every protocol, against the server.
 */
const EXAMPLES: Record<string, Record<string, unknown>> = {
  core_webservice_get_site_info: {},
  core_user_create_users: {
    users: [
      {
        username: 'jdoe',
        password: 'Secret-pass-1',
        firstname: 'Jane',
        lastname: 'Doe',
        email: 'jane.doe@example.com',
      },
    ],
  },
  core_user_get_users_by_field: { field: 'username', values: ['student'] },
  core_user_update_users: { users: [{ id: 5, firstname: 'Samuel' }] },
  core_user_delete_users: { userids: [6] },
  core_course_get_courses: { options: { ids: [2] } },
  core_course_create_courses: { courses: [{ fullname: 'Example course', shortname: 'EX101', categoryid: 1 }] },
  core_course_get_contents: { courseid: 2 },
  core_group_create_groups: {
    groups: [{ courseid: 2, name: 'Example group', description: 'Made from the API documentation' }],
  },
  moodle_group_create_groups: {
    groups: [{ courseid: 2, name: 'Legacy example group', description: 'Made with the deprecated function' }],
  },
  core_group_get_course_groups: { courseid: 2 },
  core_group_delete_groups: { groupids: [1] },
  core_enrol_get_users_courses: { userid: 5 },
  core_message_send_instant_messages: { messages: [{ touserid: 5, text: 'Hello from the API documentation' }] },
  core_message_get_messages: { useridto: 2, read: false },
  core_notes_create_notes: {
    notes: [{ userid: 5, publishstate: 'personal', courseid: 2, text: 'Works well in groups.' }],
  },
  core_files_upload: {
    component: 'user',
    filearea: 'private',
    itemid: 0,
    filepath: '/',
    filename: 'hello.txt',
    filecontent: 'SGVsbG8sIHdvcmxkIQ==',
    contextlevel: 'user',
    instanceid: 2,
  },
  tool_mucertify_get_certifications: { fieldvalues: [{ field: 'archived', value: '0' }] },
  tool_mucertify_get_certification_assignments: { certificationid: 1 },
  tool_mucertify_get_certification_periods: { certificationid: 1, userid: 5 },
  // The hub: a site registers with the public token, then calls the others with its own token.
  hub_get_info: {},
  hub_register_site: {
    siteinfo: {
      name: 'Example site',
      url: 'https://moodle.example.org',
      description: 'A Moodle site that publishes its courses',
      contactname: 'Ada Admin',
      contactemail: 'admin@moodle.example.org',
      language: 'en',
      countrycode: 'NZ',
      courses: 12,
      users: 340,
    },
    password: 'The hub password',
  },
  hub_update_site_info: {
    siteinfo: {
      name: 'Example college',
      url: 'https://moodle.example.edu',
      description: 'Updated description',
      contactname: 'Ada Admin',
      contactemail: 'admin@moodle.example.edu',
      language: 'en',
      countrycode: 'NZ',
      courses: 13,
      users: 352,
    },
  },
  hub_register_courses: {
    courses: [
      {
        sitecourseid: 2,
        fullname: 'Introduction to Computer Science',
        shortname: 'CS101',
        description: 'Algorithms, data and programs',
        language: 'en',
        publishername: 'Ada Admin',
        publisheremail: 'admin@moodle.example.edu',
        creatorname: 'Terry Teacher',
        licenceshortname: 'cc-sa',
        subject: '0613',
        audience: 'students',
        educationallevel: 'tertiary',
        enrollable: true,
        courseurl: 'https://moodle.example.edu/course/view.php?id=2',
      },
    ],
  },
  hub_get_courses: { search: 'computer science', downloadable: true, enrollable: true },
  hub_unregister_courses: { courseids: [1] },
  hub_unregister_site: {},
};

export function exampleArgs(name: string, parameters: ExternalSingle): Record<string, unknown> {
  return EXAMPLES[name] ?? (sampleValue(parameters) as Record<string, unknown>);
}
