// Names the hub gives to what it creates, for the hub's set-up, its services and its functions.

export const HUB_COMPONENT = 'local_hub';

// Where the hub keeps its files (upload.php, the logo) in the file store: the system context,
// component local_hub, one area per kind, the hub course's id as the item.
export const HUB_FILES_CONTEXT = 1;
export const HUB_BACKUP_AREA = 'backup';
export const HUB_SCREENSHOT_AREA = 'screenshot';
export const HUB_BACKUP_FILENAME = 'backup.mbz';
export const hubScreenshotFilename = (n: number) => `screenshot_${n}`;

export const HUB_ROLE = {
  directory: 'hubdirectory',
  registered: 'hubregisteredsite',
  public: 'hubpublicsite',
} as const;

export const HUB_SERVICE = {
  directory: 'hub_directory',
  registered: 'hub_registered_sites',
  public: 'hub_public_sites',
} as const;

export const HUB_USER = {
  directory: 'hub_directory',
  public: 'hub_public',
} as const;

/** A hub file's place in the file store. */
export const hubPlace = (filearea: string, itemid: number, filename: string) => ({
  contextid: HUB_FILES_CONTEXT,
  component: HUB_COMPONENT,
  filearea,
  itemid,
  filepath: '/',
  filename,
});
