using System.Runtime.Versioning;

// The engine P/Invokes the system liblz4 and relies on POSIX file semantics (rename, sparse files).
[assembly: SupportedOSPlatform("linux")]
