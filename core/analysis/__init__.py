"""Analysis: pose, camera motion, metrics, technique, feedback; the offline and vision analysers."""
