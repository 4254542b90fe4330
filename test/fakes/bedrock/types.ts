/** Shapes shared by the Bedrock and S3 fakes. */

/** One request the fake received, as tests read it back. */
export interface RecordedCall {
  /** Which simulated service answered: the Bedrock control plane or S3. */
  service: "bedrock" | "bedrock-runtime" | "s3" | "fake";
  method: string;
  /** The path as received (still percent-encoded), without the routing prefix. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The body as text, when it is text and at most 1 MiB. */
  body?: string;
  /** The body's size in bytes, whenever there is one. */
  bodyBytes?: number;
}

export interface FakeBedrockOptions {
  accessKeyId?: string;
  secretAccessKey?: string;
  /** When set, every request must carry it as `X-Amz-Security-Token` (temporary credentials). */
  sessionToken?: string;
  region?: string;
  accountId?: string;
  /** Buckets that exist in the fake S3. */
  buckets?: string[];
  /** Bedrock's quota "Minimum number of records per batch inference job" (default 100). */
  minRecordsPerJob?: number;
  /** Bedrock's quota "Records per batch inference job" (default 50,000). */
  maxRecordsPerJob?: number;
  /** The clock the signature check uses (ms since the epoch). */
  now?: () => number;
}

/** What both simulated services need to know about the configured account. */
export interface FakeAccount {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | undefined;
  region: string;
  accountId: string;
  minRecordsPerJob: number;
  maxRecordsPerJob: number;
  now: () => number;
}
