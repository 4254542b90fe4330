/**
 * Error answers in each service's own form.
 *
 * - Bedrock's control plane is restJson1 (Coral): status, `x-amzn-ErrorType: <Type>:<namespace URL>`
 *   and `{"message": …}`. The exception types and statuses are those of the Bedrock service
 *   model (botocore `data/bedrock/2023-04-20/service-2.json`: ValidationException 400,
 *   ConflictException 400, ServiceQuotaExceededException 400, AccessDeniedException 403,
 *   ResourceNotFoundException 404, ThrottlingException 429, InternalServerException 500).
 *   Authentication failures are the ones every Coral service gives (seen in AWS SDK issues,
 *   e.g. aws/aws-sdk-js#168, smithy545/aws-apps-scripts#12): InvalidSignatureException,
 *   UnrecognizedClientException "The security token included in the request is invalid.",
 *   IncompleteSignatureException, MissingAuthenticationTokenException, all 403 on restJson.
 * - S3 answers `<Error><Code>…</Code><Message>…</Message>…</Error>` as XML (S3 API reference,
 *   "Error responses"), with `x-amz-request-id`.
 */
import type { SigV4Failure } from "./sigv4.ts";

const CORAL_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.bedrock/";

/**
 * A Bedrock control-plane error.
 *
 * @example
 * return controlError(404, "ResourceNotFoundException", "The specified job was not found.");
 */
export function controlError(status: number, type: string, message: string): Response {
  return new Response(JSON.stringify({ message }), {
    status,
    headers: {
      "content-type": "application/json",
      "x-amzn-errortype": `${type}:${CORAL_NAMESPACE}`,
      "x-amzn-requestid": crypto.randomUUID(),
    },
  });
}

/**
 * An S3 error, XML, with extra elements (e.g. `Key`, `BucketName`) after `Message`.
 *
 * @example
 * return s3Error(404, "NoSuchKey", "The specified key does not exist.", { Key: key });
 */
export function s3Error(status: number, code: string, message: string, extra: Record<string, string> = {}): Response {
  const requestId = crypto.randomUUID().replaceAll("-", "").slice(0, 16).toUpperCase();
  const elements = Object.entries(extra).map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`).join("");
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>` +
    `${elements}<RequestId>${requestId}</RequestId><HostId>${btoa(requestId)}</HostId></Error>`;
  return new Response(body, { status, headers: { "content-type": "application/xml", "x-amz-request-id": requestId } });
}

/**
 * What the Bedrock control plane answers for a request whose signature does not check out.
 *
 * @example
 * if (failure) return controlSignatureError(failure);
 */
export function controlSignatureError(failure: SigV4Failure): Response {
  switch (failure.kind) {
    case "missing":
      return controlError(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
    case "malformed":
      return controlError(403, "IncompleteSignatureException", failure.detail);
    case "unknown_key":
    case "bad_token":
      return controlError(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
    case "wrong_region":
      return controlError(403, "InvalidSignatureException", "Credential should be scoped to a valid region. ");
    case "wrong_service":
      return controlError(403, "InvalidSignatureException", "Credential should be scoped to correct service: 'bedrock'. ");
    case "wrong_date":
      return controlError(403, "InvalidSignatureException", failure.detail);
    case "skewed":
      return controlError(403, "InvalidSignatureException", `Signature expired: ${failure.amzDate} is now earlier than ${failure.now} (15 min.)`);
    case "mismatch":
      return controlError(
        403,
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n" +
          `The Canonical String for this request should have been\n'${failure.canonicalRequest}'\n\nThe String-to-Sign should have been\n'${failure.stringToSign}'\n`,
      );
  }
}

/**
 * What S3 answers for a request whose signature does not check out.
 *
 * @example
 * if (failure) return s3SignatureError(failure, "us-east-1");
 */
export function s3SignatureError(failure: SigV4Failure, region: string): Response {
  switch (failure.kind) {
    case "missing":
      return s3Error(403, "AccessDenied", "Access Denied");
    case "malformed":
    case "wrong_date":
      return s3Error(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; ${failure.detail}`);
    case "unknown_key":
      return s3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", {
        AWSAccessKeyId: failure.accessKeyId,
      });
    case "wrong_region":
      return s3Error(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; the region '${failure.region}' is wrong; expecting '${region}'`, {
        Region: region,
      });
    case "wrong_service":
      return s3Error(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; incorrect service "${failure.service}". This endpoint belongs to "s3".`);
    case "skewed":
      return s3Error(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", {
        RequestTime: failure.amzDate,
        ServerTime: failure.now,
      });
    case "bad_token":
      return s3Error(400, "InvalidToken", "The provided token is malformed or otherwise invalid.");
    case "mismatch":
      return s3Error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", {
        AWSAccessKeyId: failure.accessKeyId,
        StringToSign: failure.stringToSign,
        SignatureProvided: failure.provided,
        CanonicalRequest: failure.canonicalRequest,
      });
  }
}

/**
 * Escapes text for an XML element.
 *
 * @example
 * xmlEscape("a<b") // "a&lt;b"
 */
export function xmlEscape(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}
