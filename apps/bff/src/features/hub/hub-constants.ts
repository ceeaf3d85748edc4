// Names the hub gives to what it creates, for the hub's set-up, its services and its functions.

export const HUB_COMPONENT = 'local_hub';

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
