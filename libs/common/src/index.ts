export * from './error-codes';
export * from './app-error';
export * from './vocabulary';
export * from './ids';
export * from './log-redaction';
export * from './metrics';
export * from './metrics-auth';
export * from './shutdown';
