// File and path names from a repository are the pusher's choice: a name with a newline or a
// terminal escape must not forge a log line or a message. Ordinary names are shown as they are;
// anything else is shown as a JSON string (escaped, in double quotes).

const ORDINARY = /^[A-Za-z0-9._/@+=,~-]+$/;

export function quoteName(name: string): string {
  return ORDINARY.test(name) ? name : JSON.stringify(name);
}
