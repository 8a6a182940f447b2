namespace EdgeSplit.Gateway;

/// <summary>What this gateway process is: set by the configuration key <c>EdgeSplit:Role</c>.</summary>
public enum GatewayRole
{
    /// <summary>Finishes split inference: admission, micro-batching, the model's tail stages (default).</summary>
    Edge,

    /// <summary>YARP front door across edge nodes (<c>EdgeSplit:Router:Edges</c>).</summary>
    Router,
}
