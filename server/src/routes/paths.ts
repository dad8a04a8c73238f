/** The request path without its query, percent-decoded where it decodes: a problem's `instance`, as Kask writes it. */
export function decodedPath(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
