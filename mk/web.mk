# The dashboard's pages (web/): TypeScript and lightweight-charts bundled by esbuild
# into functions/dashboard/static/, which DashboardFunction serves and `sam build`
# packages with the function's code. Node.js 20+ and npm on the build machine;
# the versions are pinned by web/package-lock.json (npm ci).

WEB_DIR := web
WEB_OUT := functions/dashboard/static
WEB_SOURCES := $(wildcard $(WEB_DIR)/src/*.* $(WEB_DIR)/src/pages/*.ts) $(WEB_DIR)/build.mjs

.PHONY: web lint-web

$(WEB_DIR)/node_modules/.package-lock.json: $(WEB_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "web: npm not found: install Node.js 20+ (it builds the dashboard's pages)" >&2; exit 1; }
	cd $(WEB_DIR) && npm ci --no-audit --no-fund

$(WEB_OUT)/index.html: $(WEB_DIR)/node_modules/.package-lock.json $(WEB_SOURCES)
	cd $(WEB_DIR) && npm run --silent build

web: $(WEB_OUT)/index.html  ## build the dashboard's pages into functions/dashboard/static/ (npm ci, esbuild; prints the page weight)

lint-web: $(WEB_DIR)/node_modules/.package-lock.json  ## type-check the dashboard's TypeScript (tsc --noEmit, strict)
	cd $(WEB_DIR) && npm run --silent check
