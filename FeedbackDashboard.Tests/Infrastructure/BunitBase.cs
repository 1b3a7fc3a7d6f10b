using Bunit;
using MudBlazor.Services;

namespace FeedbackDashboard.Tests.Infrastructure;

/// <summary>bUnit context with MudBlazor registered and JS calls answered loosely (MudBlazor calls many).</summary>
public abstract class BunitBase : BunitContext
{
    protected BunitBase()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }
}
