"""Turning moments into files a family can watch: plans for ffmpeg and the runner that executes them."""
