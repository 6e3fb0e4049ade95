// Minimal typings for the parts of s3rver (which ships none) that the local engines use.
declare module 's3rver' {
  import type { Server } from 'node:http';
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  /** The S3 event notification (records format) that s3rver emits after each object write or delete. */
  export interface S3rverEvent {
    Records: {
      eventName: string;
      eventTime: string;
      s3: {
        bucket: { name: string };
        object: { key: string; size?: number; eTag?: string; sequencer: string };
      };
    }[];
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    on(event: 'event', listener: (event: S3rverEvent) => void): this;
    run(): Promise<AddressInfo>;
    /**
     * Creates the HTTP server and listens; run() calls it with (port, address, other options). With
     * a callback (the 'listening' listener) it returns the server at once.
     */
    listen(port: number, address: string, options: object): Promise<Server>;
    listen(port: number, address: string, options: object, callback: () => void): Server;
    close(): Promise<void>;
  }
}
