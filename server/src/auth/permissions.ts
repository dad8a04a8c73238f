/** What a listed client may do in a namespace. */
export const permissionNames = ['read', 'write', 'delete'] as const;
export type Permission = (typeof permissionNames)[number];

/** Client identity -> namespace name -> permissions; the namespace names are checked against the configured ones. */
export type ClientPermissions = Readonly<Record<string, Readonly<Record<string, readonly Permission[]>>>>;
