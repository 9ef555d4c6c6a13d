// The kubernetes provider's main package, rebuilt here because the upstream one embeds generated
// files (schema-embed.json, terraform-mapping-embed.json) that its module zip does not carry.
// tools/build.sh generates them from the module's own schema.json before building.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
