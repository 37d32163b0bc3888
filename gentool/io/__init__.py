"""Writers for what people open: images here; MIDI and audio come with the drum tools."""
