"""The video area: VLC for smooth playback with sound, our exact-frame decoder whenever paused."""
