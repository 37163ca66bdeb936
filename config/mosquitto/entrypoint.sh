#!/bin/sh
# Runs Mosquitto. Accounts are not touched here: they live in the dynamic-security file in the
# data volume (written once by the broker-init service), so gates added at run time stay.
set -eu
mkdir -p /mosquitto/conf.d
chown -R mosquitto:mosquitto /mosquitto/data
exec mosquitto -c "${MOSQUITTO_CONFIG:-/mosquitto/config/mosquitto.conf}"
