# One image for every Chaos World service: each Deployment of istio/ runs it with its
# service's main module as the argument (args: [services/<name>/main.ts]).
#   docker build -t chaos-world .
# Node 24 LTS and the production dependencies only; tsx is one of them, because it loads the
# services' TypeScript as `npm start` does (there is no build step). The files belong to root
# and the services run as the unprivileged `node` user (the Deployments' runAsUser),
# so a compromised process cannot change its own code.
FROM node:24-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# The workspaces' package.json files sit in every service folder, so the sources come in one
# layer (see .dockerignore for what stays out).
COPY . .
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The image's `node` user, by number: Kubernetes checks runAsNonRoot against the numeric id.
USER 1000:1000
ENTRYPOINT ["node", "--disable-warning=TimeoutNegativeWarning", "--import", "tsx"]
CMD ["services/echo/main.ts"]
