# Environment shared by every script that runs pulumi or the Go-built tools. Source it.
# Everything stays inside the repo's ignored folders: tools in .tools/bin, the Pulumi file backend
# and plugin home in .pulumi-state, rendered manifests in rendered/.
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$repo_dir/.tools/bin:$repo_dir/node_modules/.bin:$PATH"
export PULUMI_HOME="${PULUMI_HOME:-$repo_dir/.pulumi-state/home}"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$repo_dir/.pulumi-state/backend}"
# The dev stack's secrets are encrypted with this documented local passphrase; set your own
# PULUMI_CONFIG_PASSPHRASE (or a secrets provider) for any stack that holds real secrets.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-order-tracing-local-dev}"
# Plugins are the ones scripts/install-plugins.sh installed into $PULUMI_HOME/plugins (or a released
# CLI's own, beside it): never an ambient plugin found on PATH, never a download behind your back.
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
mkdir -p "$PULUMI_HOME" "${PULUMI_BACKEND_URL#file://}"
