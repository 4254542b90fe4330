/**
 * Something an adapter created upstream for a batch (an input file, a job, an S3 object).
 * The service stores it as soon as it is reported, and hands it back to `deleteArtifact`
 * when the batch is deleted or its creation is rolled back.
 *
 * @example
 * const artifact: Artifact = { kind: "input_file", nativeId: "file-abc" };
 */
export interface Artifact {
  kind: string;
  nativeId: string;
  data?: Record<string, unknown>;
}
