"""Chinese-language knowledge: vocabulary and cues, numbers, places and division codes."""
