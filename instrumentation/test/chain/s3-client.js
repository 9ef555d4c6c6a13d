// The S3 client of the chain services, configured like the sandbox's (sandbox/s3.ts): path-style
// addressing and checksums only where required, since gofakes3 does not take aws-chunked uploads.
const { S3Client } = require("@aws-sdk/client-s3");

module.exports.createS3Client = () =>
  new S3Client({
    endpoint: process.env.S3_ENDPOINT,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: process.env.S3_ACCESS_KEY_ID, secretAccessKey: process.env.S3_SECRET_ACCESS_KEY },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
