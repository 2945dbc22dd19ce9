// The syslog source: UDP, TCP and TLS listeners.
export {
  detectFraming,
  startSyslogSource,
  type SyslogSourceConfig,
  type SyslogSourceOptions,
} from './syslog-source.js';
