print("harvestry")
