"""What a message carries besides text: photos for vision models, voice notes to transcribe,
files to read. Platform-neutral: the bytes come from the platform binding's `fetch`, and
nothing here keeps them (history stores markers such as `[photo: 1 image]`)."""
