#!/bin/sh
# Stand-in for the official nginx image's entrypoint: every /etc/nginx/templates/*.template
# goes through envsubst (defined variables only, as the official image does) into conf.d.
set -e
defined=$(env | cut -d= -f1 | sed 's/^/${/; s/$/}/' | tr '\n' ' ')
for t in /etc/nginx/templates/*.template; do
  [ -f "$t" ] || continue
  envsubst "$defined" < "$t" > "/etc/nginx/conf.d/$(basename "$t" .template)"
done
exec nginx -g 'daemon off;'
