// The pod sandbox's pause program for the single-node cluster (scripts/cluster.sh): no dependencies.
module ordertracing.local/tools/pause

go 1.26.0
