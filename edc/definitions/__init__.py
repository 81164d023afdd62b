"""Study definitions as code: YAML trials loaded, validated and frozen into typed objects."""
