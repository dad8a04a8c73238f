/** The `client` label of a denial by a client that could not be identified, and by one no key of the configuration lists. */
export const anonymousClient = 'anonymous';
export const unlistedClient = 'unlisted';
