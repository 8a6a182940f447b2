using EdgeSplit.Contracts.V1;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace EdgeSplit.Gateway.Edge.Reading;

/// <summary>
/// Binds the <c>edgesplit.v1.SplitInference</c> methods to <see cref="SplitInferenceService"/> with the generated
/// marshallers, except that a unary request that is not its protobuf message is refused with INVALID_ARGUMENT naming
/// the message type (grpc-dotnet would answer UNKNOWN and log an Error with a stack trace). The message is parsed once,
/// by grpc-dotnet, through that marshaller. Stream messages are read inside the service, which maps the failure.
/// </summary>
internal sealed class SplitInferenceMethods(MalformedInput malformed) : IServiceMethodProvider<SplitInferenceService>
{
    /// <summary>
    /// Named by <see cref="BindServiceMethodAttribute"/> on the service so that grpc-dotnet's own binder, which would
    /// bind the same routes with the generated marshallers, binds nothing: the methods come from this provider.
    /// </summary>
    public static void BindService(ServiceBinderBase binder, SplitInferenceService service)
    {
    }

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<SplitInferenceService> context)
    {
        var generated = new Generated();
        SplitInference.BindService(generated, null!);
        context.AddUnaryMethod(
            Checked(generated.Get<ManifestRequest, Manifest>("GetManifest"), ManifestRequest.Descriptor.FullName),
            Metadata(nameof(SplitInferenceService.GetManifest)),
            (service, request, call) => service.GetManifest(request, call));
        context.AddUnaryMethod(
            Checked(generated.Get<InferRequest, InferReply>("Infer"), InferRequest.Descriptor.FullName),
            Metadata(nameof(SplitInferenceService.Infer)),
            (service, request, call) => service.Infer(request, call));
        context.AddDuplexStreamingMethod(
            generated.Get<InferRequest, StreamReply>("InferStream"),
            Metadata(nameof(SplitInferenceService.InferStream)),
            (service, requests, replies, call) => service.InferStream(requests, replies, call));
    }

    /// <summary>The endpoint metadata grpc-dotnet's binder gives a method: the service's attributes, then the method's, then POST.</summary>
    private static List<object> Metadata(string method)
    {
        var metadata = new List<object>(typeof(SplitInferenceService).GetCustomAttributes(inherit: true));
        metadata.AddRange(typeof(SplitInferenceService).GetMethod(method)!.GetCustomAttributes(inherit: true));
        metadata.Add(new HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
        return metadata;
    }

    private Method<TRequest, TResponse> Checked<TRequest, TResponse>(Method<TRequest, TResponse> method, string messageName)
        where TRequest : class
        where TResponse : class
    {
        var parse = method.RequestMarshaller.ContextualDeserializer;
        var marshaller = Marshallers.Create(method.RequestMarshaller.ContextualSerializer, context =>
        {
            try
            {
                return parse(context);
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw malformed.Refuse("protobuf", StatusCode.InvalidArgument, $"the request is not a valid {messageName} message: {ex.Message}");
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
    }

    /// <summary>Collects the generated method descriptions (names, marshallers) instead of binding them.</summary>
    private sealed class Generated : ServiceBinderBase
    {
        private readonly Dictionary<string, IMethod> _methods = [];

        public Method<TRequest, TResponse> Get<TRequest, TResponse>(string name)
            where TRequest : class
            where TResponse : class => (Method<TRequest, TResponse>)_methods[name];

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) => _methods[method.Name] = method;

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) => _methods[method.Name] = method;
    }
}
