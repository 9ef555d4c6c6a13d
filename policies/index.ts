// The order-tracing policy pack: run with `pulumi preview --policy-pack policies`.
// Each rule lives in its own module under rules/, with its tests beside it.
import { PolicyPack } from "@pulumi/policy";
import { noPublicServices } from "./rules/no-public-services";

new PolicyPack("order-tracing", {
  policies: [noPublicServices],
});
