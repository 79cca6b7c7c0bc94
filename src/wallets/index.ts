export * from './errors.ts'
export * from './links.ts'
export * from './nonces.ts'
export * from './statement.ts'
