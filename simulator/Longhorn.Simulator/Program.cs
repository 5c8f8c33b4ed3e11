// Placeholder entry point; the simulator's servers (S3 emulator, NFS export) arrive with their issues.
Console.Error.WriteLine("usage: Longhorn.Simulator <command>  (no commands yet)");
return 2;
