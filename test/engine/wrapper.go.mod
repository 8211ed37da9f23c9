module pulumi-group-export/engine

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 @PULUMI_VERSION@
	github.com/pulumi/pulumi/sdk/v3 @PULUMI_VERSION@
)

// Repeated from pkg/v3's own go.mod: replaces of a dependency are not inherited.
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
