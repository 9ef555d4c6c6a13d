import { describePackOnStack } from "../testing/pack-on-stack";

// The real composition root with Pulumi.prod.yaml (two-tier collector, three Elasticsearch nodes,
// no access path yet), under mocks.
describePackOnStack("prod");
