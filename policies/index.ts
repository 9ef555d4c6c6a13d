// The order-tracing policy pack: run with `pulumi preview --policy-pack policies`.
// Each rule lives in its own module under rules/, with its tests beside it (docs/policies.md).
import { PolicyPack } from "@pulumi/policy";
import { ORDER_TRACING_POLICIES } from "./rules";

new PolicyPack("order-tracing", {
  policies: ORDER_TRACING_POLICIES,
});
