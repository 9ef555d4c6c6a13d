import { describe, expect, it } from "vitest";
import type { KubeObject } from "./kube-api";
import { managersOf, ownedPaths, ownershipSummary } from "./managed-fields";

// The shape the API server records for a Deployment that a team applied and our patch extended.
const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "shop",
    managedFields: [
      {
        manager: "team-shop",
        operation: "Apply",
        apiVersion: "apps/v1",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:app.kubernetes.io/name": {} } },
          "f:spec": {
            "f:replicas": {},
            "f:template": {
              "f:spec": {
                "f:containers": {
                  'k:{"name":"shop"}': {
                    ".": {},
                    "f:image": {},
                    "f:env": { 'k:{"name":"PORT"}': { ".": {}, "f:value": {} } },
                  },
                },
              },
            },
          },
        },
      },
      {
        manager: "order-tracing-instrumentation",
        operation: "Apply",
        apiVersion: "apps/v1",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:spec": {
            "f:template": {
              "f:spec": {
                "f:initContainers": { 'k:{"name":"agent"}': { ".": {}, "f:image": {} } },
                "f:containers": {
                  'k:{"name":"shop"}': { "f:env": { 'k:{"name":"NODE_OPTIONS"}': { ".": {}, "f:value": {} } } },
                },
              },
            },
          },
        },
      },
    ],
  },
};

describe("managedFields", () => {
  it("lists the managers and the paths each owns, merge keys and label keys readable", () => {
    expect(managersOf(deployment)).toEqual(["order-tracing-instrumentation", "team-shop"]);
    expect(ownedPaths(deployment, "team-shop")).toEqual([
      '.metadata.labels["app.kubernetes.io/name"]',
      ".spec.replicas",
      ".spec.template.spec.containers[name=shop]",
      ".spec.template.spec.containers[name=shop].env[name=PORT]",
      ".spec.template.spec.containers[name=shop].env[name=PORT].value",
      ".spec.template.spec.containers[name=shop].image",
    ]);
  });

  it("summarises the pod template per element", () => {
    expect(ownershipSummary(deployment)).toEqual({
      "order-tracing-instrumentation": [
        "pod.containers[name=shop].env[name=NODE_OPTIONS]",
        "pod.initContainers[name=agent]",
      ],
      "team-shop": [
        '.metadata.labels["app.kubernetes.io/name"]',
        ".spec.replicas",
        "pod.containers[name=shop]",
        "pod.containers[name=shop].env[name=PORT]",
        "pod.containers[name=shop].image",
      ],
    });
  });
});
