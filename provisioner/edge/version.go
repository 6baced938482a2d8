package edge

// ImageRepository is the repository of the proxy's image, built by
// examples/images/build-edge.sh.
const ImageRepository = "tenantctl/edge"

// Version is the proxy's version and its image's tag: tenantctl runs
// ImageRepository:Version. Raise it with any change that tenantctl must
// roll out to running proxies (the build script reads it from this line).
const Version = "0.1.0"
