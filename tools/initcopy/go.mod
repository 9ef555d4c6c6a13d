// initcopy: the static `cp -r` of the instrumentation-nodejs image (main.go); standard library only.
module ordertracing.local/tools/initcopy

go 1.26.0
