namespace Longhorn.Functions.Hosting;

/// <summary>The services every function uses, registered the same way under the Azure Functions host and the embedded one.</summary>
public static class FunctionAppServices
{
    public static IServiceCollection AddLonghornFunctions(this IServiceCollection services) => services.AddControlPlane();
}
