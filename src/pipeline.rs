//! Drives one build: config → fetch → read → normalize → emit.
