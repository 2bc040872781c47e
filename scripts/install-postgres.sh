#!/usr/bin/env bash
# Debian's PostgreSQL server, for the integration tests of the PostgreSQL store (tests/integration). The tests start
# and stop their own throwaway server; nothing runs as a service. Without root or apt they skip and say why.
set -u
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "跳过 PostgreSQL 安装：需要 root 和 apt-get（PostgreSQL 集成测试将被跳过）" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null \
  || echo "PostgreSQL 安装失败（PostgreSQL 集成测试将被跳过）" >&2
exit 0
