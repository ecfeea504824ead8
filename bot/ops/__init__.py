"""Running Kept as a service: OAuth installs, metrics, the doctor, and the data's life cycle."""
