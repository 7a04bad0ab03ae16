# Blossom server. Build: docker build -t blossom-server .   Run: see compose.yaml and README.
# .NET 10 images are Ubuntu 24.04 ("noble"); the tags say so, so a new default cannot change the base silently.
# Other bases (a mirror, a pinned digest, a distribution's own .NET images) are build arguments:
#   docker build --build-arg SDK_IMAGE=... --build-arg RUNTIME_IMAGE=... -t blossom-server .
# The runtime base must provide what the official aspnet image does: the ASP.NET Core runtime as `dotnet`,
# APP_UID naming a non-root user, and apt-get (for the packages below).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble

# Build stage: restore once per change of the project files, then publish.
FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props appsettings.json ./
COPY Blossom.Core/Blossom.Core.csproj Blossom.Core/
COPY Blossom.Server/Blossom.Server.csproj Blossom.Server/
# linux-x64 only: libvips comes as NetVips.Native.linux-x64, and other platforms' native files would only add weight.
RUN dotnet restore Blossom.Server/Blossom.Server.csproj -r linux-x64
COPY Blossom.Core/ Blossom.Core/
COPY Blossom.Server/ Blossom.Server/
RUN dotnet publish Blossom.Server/Blossom.Server.csproj -c Release -r linux-x64 --self-contained false --no-restore -o /app

# Runtime stage: ASP.NET Core, ffmpeg for video and audio, libsecp256k1 for Nostr signatures
# (libvips ships inside the app), curl for the health check. Runs as the image's non-root user.
FROM ${RUNTIME_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg libsecp256k1-1 curl \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown "$APP_UID" /data
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Blossom__Storage__Path=/data/blobs \
    Blossom__Database__ConnectionString="Data Source=/data/blossom.db" \
    Blossom__Media__WorkPath=/data/media
VOLUME /data
EXPOSE 8080
USER $APP_UID
# On the port the server listens on (the first of ASPNETCORE_HTTP_PORTS), also when a run sets another one.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s CMD curl -fsS "http://127.0.0.1:${ASPNETCORE_HTTP_PORTS%%;*}/healthz" || exit 1
ENTRYPOINT ["dotnet", "Blossom.Server.dll"]
