// Replication lives in ./replication/ (one file per job behind the Replicator facade).
export * from './replication/index.ts'
