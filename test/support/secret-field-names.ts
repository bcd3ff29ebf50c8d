// Every secret field as the API, the configuration and HTTP spell it, for the redaction tests
// (the secret-field list itself lives in src/shared/secret-fields.ts). A name missing from that
// list, or spelt there so that it never matches, lets the value into the audit log (which keeps
// request bodies) and into log lines. A new secret field is added here too.
export const SECRET_FIELDS_AS_SPELT = [
  'privateKey', // repositories: sshKey auth
  'password', // repositories: basic auth
  'webhookSecret', // repositories: push webhooks
  'token', // clusters: bearerToken auth
  'keyData', // clusters: client certificate key
  'certData', // clusters: client certificate
  'kubeconfig', // clusters: a whole kubeconfig
  'secretKey', // config: security.secretKey
  'adminToken', // config: security.adminToken
  'authorization', // HTTP header
  'secret', // channels: a webhook's signing secret
] as const;
