enum HarvestryAppPlaceholder {}
