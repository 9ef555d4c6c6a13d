import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { OpenSearchAwsStorage } from "../config/storage";

export interface OpenSearchDomainArgs {
  backend: OpenSearchAwsStorage;
  /** EBS volume of each data node in bytes: the stack's per-node disk quota (storage.diskSize). */
  diskBytes: number;
  /** The fine-grained access control master user's password (a Pulumi secret). */
  masterPassword: pulumi.Input<string>;
}

/** TLS 1.2 or newer on the domain's HTTPS endpoint. */
const TLS_POLICY = "Policy-Min-TLS-1-2-2019-07";

/** The domain's arguments: VPC-only, encrypted at rest and between nodes, HTTPS only, FGAC on. */
export function buildOpenSearchDomainArgs(args: OpenSearchDomainArgs): aws.opensearch.DomainArgs {
  const { backend } = args;
  const zones = Math.min(backend.subnetIds.length, 3);
  const multiZone = backend.instanceCount > 1 && zones > 1;
  return {
    domainName: backend.domainName,
    engineVersion: backend.engineVersion,
    clusterConfig: {
      instanceType: backend.instanceType,
      instanceCount: backend.instanceCount,
      zoneAwarenessEnabled: multiZone,
      zoneAwarenessConfig: multiZone ? { availabilityZoneCount: zones } : undefined,
    },
    ebsOptions: {
      ebsEnabled: true,
      volumeType: "gp3",
      volumeSize: args.diskBytes / 2 ** 30,
    },
    // No public endpoint: the domain has addresses only in these private subnets.
    vpcOptions: {
      subnetIds: multiZone ? backend.subnetIds.slice(0, zones) : backend.subnetIds.slice(0, 1),
      securityGroupIds: backend.securityGroupIds,
    },
    encryptAtRest: { enabled: true },
    nodeToNodeEncryption: { enabled: true },
    domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: TLS_POLICY },
    // Fine-grained access control with the internal user database: Jaeger and the index cleaner log
    // in as the master user over HTTPS (docs/operations.md "Storage": mapping an IAM role instead).
    advancedSecurityOptions: {
      enabled: true,
      internalUserDatabaseEnabled: true,
      masterUserOptions: { masterUserName: backend.username, masterUserPassword: pulumi.secret(args.masterPassword) },
    },
  };
}

/**
 * The domain's resource policy: any principal may send HTTP requests to this domain only; network
 * access is limited by the VPC and its security groups, and every request is authenticated by
 * fine-grained access control (the pattern AWS documents for FGAC domains).
 */
export function buildOpenSearchAccessPolicy(domainArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "es:ESHttp*", Resource: `${domainArn}/*` }],
  });
}

/** AWS OpenSearch Service domain for prod stacks that keep storage outside the cluster. */
export class OpenSearchDomain extends pulumi.ComponentResource {
  /** The HTTPS URL of the domain's VPC endpoint. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: OpenSearchDomainArgs, opts?: pulumi.ComponentResourceOptions) {
    super("order-tracing:storage:OpenSearchDomain", name, {}, opts);
    const domain = new aws.opensearch.Domain(name, buildOpenSearchDomainArgs(args), { parent: this });
    new aws.opensearch.DomainPolicy(
      name,
      { domainName: domain.domainName, accessPolicies: domain.arn.apply(buildOpenSearchAccessPolicy) },
      { parent: this },
    );
    this.url = pulumi.interpolate`https://${domain.endpoint}`;
    this.registerOutputs({ url: this.url });
  }
}
