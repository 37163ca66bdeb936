#!/bin/sh
# Writes the password file from the environment (never from the image), then runs Mosquitto.
set -eu
umask 077
passwd=/mosquitto/data/passwd
: > "$passwd"
mosquitto_passwd -b "$passwd" central "$MQTT_CENTRAL_PASSWORD"
mosquitto_passwd -b "$passwd" gate.demo.main "$MQTT_GATE_PASSWORD"
chown mosquitto:mosquitto "$passwd"
exec mosquitto -c /mosquitto/config/mosquitto.conf
